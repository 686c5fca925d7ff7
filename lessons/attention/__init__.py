"""The Attention & Transformer page: attention step by step, every head, one number explained,
positions, and an encoder and a decoder reading two sentences."""
