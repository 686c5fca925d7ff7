"""The text page: words as numbers, from Keras-style tokens to pretrained word vectors."""
