"""The Gradients & initialization page: through depth, through time, clipping."""
