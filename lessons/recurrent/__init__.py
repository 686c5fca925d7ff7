"""The Recurrent layers page: step through time, sequences or the last state, bidirectional,
weights in Keras' and PyTorch's layouts, and the tutorial's shapes."""
