"""setup.cfg's extras: ``test`` (the name users guess) installs exactly what ``dev`` does."""
import configparser
from pathlib import Path

SETUP_CFG = Path(__file__).resolve().parents[2] / "setup.cfg"


def extras() -> dict[str, set[str]]:
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    return {name: {line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")}
            for name, value in config["options.extras_require"].items()}


def test_the_test_extra_is_the_dev_extra():
    found = extras()
    assert found["test"] == found["dev"]
    assert {"pytest>=7", "nbclient>=0.7", "pandas>=1.5"} <= found["test"]
