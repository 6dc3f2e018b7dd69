"""Offline relevance evaluation of Kiji's search (issue 6): judgments and the nDCG comparison."""
