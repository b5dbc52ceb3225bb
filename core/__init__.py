"""The bottom layer: the vocabulary every other layer shares (result types, errors, settings,
text normalisation and sentences, publication dates, near-duplicates). Imports no other layer."""
