"""The train page: a Keras-style sentiment classifier trained live on shipped or own sentences."""
