"""Keras truth for layers.training: our summary() is the text Keras 3's model.summary() prints."""

import pytest

from layers.training import CELLS, KERAS_CLASSES, ModelConfig, SentimentModel, summary

pytestmark = pytest.mark.keras

CONFIGS = [
    *(ModelConfig(cell=cell) for cell in CELLS),  # the tutorial's sizes: 10000, 32, 32, T = 40
    ModelConfig(vocab=50_000, dim=128, units=96, cell="lstm", maxlen=200),  # MB and six digits
    ModelConfig(vocab=7, dim=3, units=2, cell="gru", maxlen=5),  # bytes, not KB
]


def keras_model(keras, config: ModelConfig):
    """The tutorial's Sequential model for `config`, named as in a fresh process."""
    keras.backend.clear_session()  # layer names restart: "embedding", not "embedding_3"
    return keras.Sequential(
        [
            keras.Input(shape=(config.maxlen,)),
            keras.layers.Embedding(config.vocab, config.dim),
            getattr(keras.layers, KERAS_CLASSES[config.cell])(config.units),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def keras_summary(model) -> str:
    printed = []
    model.summary(print_fn=lambda text, **_: printed.append(text))
    return "".join(printed).rstrip("\n")


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.cell}-{c.vocab}-{c.dim}-{c.units}")
def test_our_summary_is_what_keras_prints(keras, config):
    model = keras_model(keras, config)
    ours = SentimentModel(config)
    assert summary(ours) == keras_summary(model)
    assert ours.keras_param_count() == model.count_params()


def test_the_tutorial_summary_counts_322113(keras):
    model = keras_model(keras, ModelConfig())
    assert model.count_params() == 322_113
    assert " Total params: 322,113 (1.23 MB)" in summary(SentimentModel(ModelConfig()))


@pytest.mark.parametrize(("name", "slots"), [("sgd", 0), ("rmsprop", 1), ("adam", 2)])
def test_the_optimizer_line_after_compile(keras, name, slots):
    """After compile and a built optimizer Keras adds "Optimizer params" to the total."""
    config = ModelConfig(vocab=100, dim=8, units=4, cell="simplernn", maxlen=10)
    model = keras_model(keras, config)
    optimizer = {"sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop,
                 "adam": keras.optimizers.Adam}[name]()  # fmt: skip
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)
    ours = SentimentModel(config)
    keras_slots = ours.keras_param_count() * slots + 2  # slots per weight, iterations and lr
    assert summary(ours, optimizer_params=keras_slots) == keras_summary(model)
