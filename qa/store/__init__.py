"""The storage layer: chunks in a Chroma collection, the BM25 index beside it, the documents'
texts, the embedding model, the LangChain retriever over them, and the vote log."""
