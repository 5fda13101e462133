"""Pool search: jieba segmentation, full-text and trigram matching, filters, facets."""
