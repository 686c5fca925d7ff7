"""'Show the code' for the tutorial's shapes: the tutorial's Keras 3 program and its PyTorch twin,
on the sidebar's sentences with the page's D and U, printing every shape and count the page shows.

The Keras program is the tutorial's: Tokenizer (filters="" when punctuation is a word),
pad_sequences, Embedding(V, D), SimpleRNN(U, return_sequences=True) and without, each layer's
weights, LSTM, GRU and Bidirectional(LSTM(U, return_sequences=True)), with count_params() and a
model.summary(). The PyTorch program tokenizes the same way in plain Python and runs nn.Embedding,
nn.RNN, nn.LSTM, nn.GRU and a bidirectional nn.LSTM, printing the same shapes (the Keras layout's
kernels as weight_ih_l0.T) and both counts. Tests run both and compare with the page.
"""

from __future__ import annotations

from layers.stack import MAX_LINES, MAX_TOKENS
from ui.code import legacy_tokenizer, printable, rank_snippet, words_of_snippet
from ui.compute import capped
from ui.settings import Settings


def page_lines(text: str) -> list[str]:
    """The sidebar's lines as the page reads them: capped, non-empty, at most MAX_LINES."""
    return [line for line in capped(text).splitlines() if line.strip()][:MAX_LINES]


def keras_program(s: Settings) -> str:
    lines = [printable(line) for line in page_lines(s.text)]
    tokenizer = (
        'Tokenizer(filters="")  # punctuation typed apart is a word'
        if s.punct
        else ("Tokenizer()  # Keras' default filters drop punctuation")
    )
    return "\n".join(
        [
            "import keras",
            "from keras import layers",
            "",
            *legacy_tokenizer("Tokenizer"),
            "",
            f"lines = {lines!r}",
            f"tokenizer = {tokenizer}",
            "tokenizer.fit_on_texts(lines)",
            'print("word_index:", tokenizer.word_index)',
            "V = len(tokenizer.word_index) + 1  # index 0 is padding",
            "seqs = [seq for seq in tokenizer.texts_to_sequences(lines) if seq]",
            f"T = min(max(len(seq) for seq in seqs), {MAX_TOKENS})",
            'ids = keras.utils.pad_sequences(seqs, maxlen=T, padding="pre", truncating="post")',
            'print("ids", ids.shape)',
            "",
            f"D, U = {s.rnn_d}, {s.rnn_units}",
            "embedding = layers.Embedding(V, D)",
            "x = embedding(ids)",
            'print(f"Embedding({V}, {D})", tuple(x.shape), f"params {embedding.count_params():,}")',
            "",
            "rnn = layers.SimpleRNN(U, return_sequences=True)",
            "out = rnn(x)",
            'print("SimpleRNN(return_sequences=True)", tuple(out.shape), '
            'f"params {rnn.count_params():,}")',
            "last = layers.SimpleRNN(U)",
            'print("SimpleRNN", tuple(last(x).shape), f"params {last.count_params():,}")',
            "for weight in rnn.weights:  # kernel (D, U), recurrent_kernel (U, U), bias (U,)",
            '    print("  SimpleRNN", weight.name, tuple(weight.shape))',
            "",
            "lstm = layers.LSTM(U)",
            "lstm(x)",
            "for weight in lstm.weights:  # four gates: (D, 4U)",
            '    print("  LSTM", weight.name, tuple(weight.shape))',
            'print(f"LSTM params {lstm.count_params():,}")',
            "gru = layers.GRU(U)",
            "gru(x)",
            "for weight in gru.weights:  # three gates: (D, 3U), fewer weights",
            '    print("  GRU", weight.name, tuple(weight.shape))',
            'print(f"GRU params {gru.count_params():,}")',
            "",
            "bi = layers.Bidirectional(layers.LSTM(U, return_sequences=True))",
            'print("Bidirectional(LSTM(return_sequences=True))", tuple(bi(x).shape), '
            'f"params {bi.count_params():,}")',
            "",
            "model = keras.Sequential([",
            "    keras.Input(shape=(T,)),",
            "    layers.Embedding(V, D),",
            "    layers.SimpleRNN(U, return_sequences=True),",
            "])",
            "model.summary()",
            "",
        ]
    )


def torch_program(s: Settings) -> str:
    lines = [printable(line) for line in page_lines(s.text)]
    filters = (
        ['FILTERS = ""  # Tokenizer(filters=""): punctuation typed apart is a word', ""]
        if s.punct
        else []
    )
    return "\n".join(
        [
            "from collections import Counter",
            "",
            "import torch",
            "from torch import nn",
            "",
            f"lines = {lines!r}",
            "# The Keras Tokenizer's algorithm in plain Python: count words, most frequent first.",
            *words_of_snippet(),
            *filters,
            "word_counts = Counter()",
            "for line in lines:",
            "    word_counts.update(words_of(line))",
            *rank_snippet(None, index_word=False),
            'print("word_index:", word_index)',
            "V = len(word_index) + 1  # index 0 is padding",
            "seqs = [[word_index[w] for w in words_of(line)] for line in lines]",
            "seqs = [seq for seq in seqs if seq]",
            f"T = min(max(len(seq) for seq in seqs), {MAX_TOKENS})",
            "# pad_sequences(padding='pre', truncating='post'): zeros in front, cut at the end",
            "ids = torch.tensor([[0] * (T - len(seq[:T])) + seq[:T] for seq in seqs])  # (B, T)",
            'print("ids", tuple(ids.shape))',
            "",
            "",
            "def count(module):",
            "    return sum(p.numel() for p in module.parameters())",
            "",
            "",
            "def keras_count(module):  # Keras keeps one bias where PyTorch adds two (not the GRU)",
            "    if isinstance(module, nn.GRU):",
            "        return count(module)",
            "    directions = 2 if module.bidirectional else 1",
            "    return count(module) - directions * module.bias_hh_l0.numel()",
            "",
            "",
            f"D, U = {s.rnn_d}, {s.rnn_units}",
            "embedding = nn.Embedding(V, D)",
            "rnn = nn.RNN(D, U, batch_first=True)",
            "lstm = nn.LSTM(D, U, batch_first=True)",
            "gru = nn.GRU(D, U, batch_first=True)",
            "bi = nn.LSTM(D, U, batch_first=True, bidirectional=True)",
            "with torch.no_grad():",
            "    x = embedding(ids)  # (B, T, D)",
            "    out, h_n = rnn(x)  # out: every step's h (B, T, U); h_n: the last (1, B, U)",
            "    both, _ = bi(x)  # (B, T, 2U): forward and backward side by side",
            'print(f"nn.Embedding({V}, {D})", tuple(x.shape), f"params {count(embedding):,}")',
            'print("nn.RNN out (return_sequences=True)", tuple(out.shape), '
            'f"params {count(rnn):,}, Keras {keras_count(rnn):,}")',
            'print("out[:, -1] (the last state)", tuple(out[:, -1].shape))',
            "for name, p in rnn.named_parameters():",
            '    print("  nn.RNN", name, tuple(p.shape))',
            'print("  Keras kernel = weight_ih_l0.T", tuple(rnn.weight_ih_l0.T.shape))',
            'print("  Keras recurrent_kernel = weight_hh_l0.T", tuple(rnn.weight_hh_l0.T.shape))',
            'print("  Keras bias = bias_ih_l0 + bias_hh_l0", '
            "tuple((rnn.bias_ih_l0 + rnn.bias_hh_l0).shape))",
            'print("nn.LSTM weight_ih_l0.T", tuple(lstm.weight_ih_l0.T.shape), '
            'f"params {count(lstm):,}, Keras {keras_count(lstm):,}")',
            'print("nn.GRU weight_ih_l0.T", tuple(gru.weight_ih_l0.T.shape), '
            'f"params {count(gru):,}, Keras {keras_count(gru):,}")',
            'print("bidirectional nn.LSTM", tuple(both.shape), '
            'f"params {count(bi):,}, Keras {keras_count(bi):,}")',
            "",
        ]
    )


def shapes_programs(s: Settings) -> tuple[str, str]:
    """(PyTorch program, Keras 3 program) for the page's sentences, D, U and punctuation."""
    return torch_program(s), keras_program(s)
