"""The language-model layer: chat models chosen by `QA_LLM`, the LLM answerer, the claim check
of written sentences (grounding) and the query rewriter of follow-ups."""
