"""The answering layer: the chain (prepare | retrieve | answer), the extractive answerer and its
ranker, follow-up questions, and the one definition of the answer-text format."""
