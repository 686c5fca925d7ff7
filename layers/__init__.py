"""Layerscope's teaching layers: each op written out, each proven equal to its torch.nn twin.

Every layer is a `torch.nn.Module` whose call returns `(output, trace)`: the output as PyTorch
would compute it, and a small frozen dataclass of the named intermediates a lesson shows
(LayerNorm's mean and x̂, the LSTM's gates, attention's weights per head, dropout's mask).
`Layer.from_torch(module)` copies the weights of the matching `torch.nn` module; randomness
comes only from an explicit `torch.Generator` (see `make_generator(seed, purpose)`).

Shape letters, batch-first throughout:

    B  batch: sentences, one per line of text      T  time: tokens in a sentence
    S  source length: keys and values (memory)     D  model width: features per token
    H  attention heads                             Dh = D / H features per head
    V  vocabulary size: rows of the embedding      F  feed-forward width (often 4·D)
    U  recurrent units: the hidden state's size
"""

from . import initializers
from ._core import Layer, make_generator
from .attention import AttentionTrace, MultiHeadAttention, causal_mask, row_entropy
from .blocks import (
    Add,
    AddNorm,
    AddNormTrace,
    AddTrace,
    DecoderTrace,
    EncoderTrace,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
)
from .clipping import ClipTrace, clip_by_global_norm, clip_by_norm, clip_by_value
from .dropout import Dropout, DropoutTrace
from .embedding import (
    Embedding,
    EmbeddingGrad,
    EmbeddingTrace,
    embedding_backward,
    embedding_grad,
)
from .feedforward import FeedForward, FeedForwardTrace
from .gradients import (
    DepthTrace,
    TimeTrace,
    dense_stack_gradients,
    dense_stack_params,
    grad_through_time,
    simple_rnn_backward,
)
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNormTrace,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    LayerNorm,
    NormTrace,
)
from .positional import PositionalEncoding, PositionalTrace, sinusoidal_table
from .recurrent import (
    GRU,
    LSTM,
    Bidirectional,
    BidirectionalTrace,
    GRUTrace,
    LSTMTrace,
    SimpleRNN,
    SimpleRNNTrace,
)
from .text import KERAS_FILTERS, Tokenizer, one_hot, pad_sequences, text_to_word_sequence

__all__ = [
    "GRU",
    "KERAS_FILTERS",
    "LSTM",
    "Add",
    "AddNorm",
    "AddNormTrace",
    "AddTrace",
    "AttentionTrace",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNormTrace",
    "Bidirectional",
    "BidirectionalTrace",
    "ClipTrace",
    "DecoderTrace",
    "DepthTrace",
    "Dropout",
    "DropoutTrace",
    "Embedding",
    "EmbeddingGrad",
    "EmbeddingTrace",
    "EncoderTrace",
    "FeedForward",
    "FeedForwardTrace",
    "GRUTrace",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "LSTMTrace",
    "Layer",
    "LayerNorm",
    "MultiHeadAttention",
    "NormTrace",
    "PositionalEncoding",
    "PositionalTrace",
    "SimpleRNN",
    "SimpleRNNTrace",
    "TimeTrace",
    "Tokenizer",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
    "causal_mask",
    "clip_by_global_norm",
    "clip_by_norm",
    "clip_by_value",
    "dense_stack_gradients",
    "dense_stack_params",
    "embedding_backward",
    "embedding_grad",
    "grad_through_time",
    "initializers",
    "make_generator",
    "one_hot",
    "pad_sequences",
    "row_entropy",
    "simple_rnn_backward",
    "sinusoidal_table",
    "text_to_word_sequence",
]
