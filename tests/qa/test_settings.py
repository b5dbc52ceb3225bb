"""Unit tests of settings read from the environment."""

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import Settings, default_persist_dir


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.collection == "cited-qa"
    assert s.chroma_url is None
    assert s.persist_dir == default_persist_dir()
    assert s.min_score is None and s.decline_score is None  # the fitted ones (ranker.json)
    assert s.llm_relevance_floor is None  # the fitted one (qa/llm/relevance.json)
    assert Settings.from_env({"QA_LLM_RELEVANCE_FLOOR": "-1.5"}).llm_relevance_floor == -1.5
    assert (s.top_k, s.retrieval) == (6, "hybrid")


def test_env_values_are_parsed() -> None:
    s = Settings.from_env(
        {"QA_PERSIST_DIR": "/x/y", "QA_TOP_K": "7", "QA_MIN_SCORE": "0.5", "QA_COLLECTION": "news"}
    )
    assert (s.persist_dir, s.top_k, s.min_score, s.collection) == (Path("/x/y"), 7, 0.5, "news")


def test_overrides_win_and_none_falls_through() -> None:
    s = Settings.from_env({"QA_TOP_K": "7"}, top_k=None, collection="abc")
    assert (s.top_k, s.collection) == (7, "abc")


def test_xdg_data_home_is_respected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().persist_dir == tmp_path / "cited-qa" / "chroma"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"QA_TOP_K": "many"}, "QA_TOP_K='many'"),
        ({"QA_TOP_K": "0"}, "top_k"),
        ({"QA_COLLECTION": "a b"}, "'a b'"),
        ({"QA_COLLECTION": "ab"}, "'ab'"),
        ({"QA_MIN_SCORE": "2"}, "min_score"),
        ({"QA_DECLINE_SCORE": "-0.1"}, "QA_DECLINE_SCORE"),
        ({"QA_RETRIEVAL": "sparse"}, "'sparse'"),
        (
            {"QA_EMBEDDING_BACKEND": "gpu"},
            "embedding_backend must be 'onnx' or 'torch', got 'gpu'; "
            "fix or unset QA_EMBEDDING_BACKEND",
        ),
        ({"QA_CHUNK_TOKENS": "400"}, "256 word pieces"),
        ({"QA_RERANKER": "bert"}, "'bert'"),
        ({"QA_API_KEY": "two words"}, "QA_API_KEY must be visible ASCII"),
        ({"QA_CORS_ORIGINS": "http://a.test/path"}, "'http://a.test/path' is not an origin"),
        ({"QA_CORS_ORIGINS": "a.test"}, "'a.test' is not an origin"),
        ({"QA_MAX_BODY_MB": "0"}, "max_body_mb must be positive"),
        ({"QA_MAX_BODY_MB": "big"}, "QA_MAX_BODY_MB='big'"),
        ({"QA_ALLOWED_HOSTS": "https://a.test"}, "'https://a.test' is not a host name"),
        ({"QA_CPU_THREADS": "0"}, "cpu_threads must be between 1 and 256, got 0"),
        ({"QA_ALLOWED_HOSTS": "a.test:8000"}, "a.test:8000' is not a host name"),
        (
            {"QA_FETCH_TIMEOUT": "0"},
            "fetch_timeout must be between 0 and 600 seconds, got 0.0; "
            "fix or unset QA_FETCH_TIMEOUT",
        ),
        ({"QA_FETCH_TIMEOUT": "soon"}, "QA_FETCH_TIMEOUT='soon' is not a valid float"),
        ({"QA_MAX_FETCH_MB": "-1"}, "max_fetch_mb must be positive, got -1.0"),
        ({"QA_MAX_REDIRECTS": "50"}, "max_redirects must be between 0 and 20, got 50"),
        ({"QA_FOLD_SIMILARITY": "0"}, "fold_similarity must be above 0 and at most 1, got 0.0"),
    ],
)
def test_invalid_values_name_the_value(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")):
        Settings.from_env(env)


def test_the_lexical_index_lives_beside_the_store(tmp_path: Path) -> None:
    local = Settings(persist_dir=tmp_path / "chroma", collection="news")
    assert local.lexical_dir == tmp_path / "chroma.lexical" / "news"
    server = Settings(persist_dir=tmp_path / "chroma", chroma_url="http://127.0.0.1:8001")
    assert server.lexical_dir == tmp_path / "lexical" / "127.0.0.1_8001" / "cited-qa"


def test_http_api_settings() -> None:
    s = Settings.from_env(
        {
            "QA_API_KEY": "k-123",
            "QA_MAX_BODY_MB": "2",
            "QA_CORS_ORIGINS": "http://a.test, https://b.test:8443",
            "QA_ALLOWED_HOSTS": "api.a.test,192.168.1.5,[fd00::1]",
        }
    )
    assert s.cors_origins == ("http://a.test", "https://b.test:8443")
    assert s.allowed_hosts == ("api.a.test", "192.168.1.5", "[fd00::1]")
    assert (s.api_key, s.max_body_bytes) == ("k-123", 2 * 1024 * 1024)
    assert "k-123" not in repr(s)
    assert Settings.from_env({}).cors_origins == ()


def test_network_safety_settings_are_off_only_when_asked() -> None:
    default = Settings.from_env({})
    assert (default.fetch_allow_private, default.fetch_robots, default.open_docs) == (
        False,
        True,
        True,
    )
    s = Settings.from_env(
        {"QA_FETCH_ALLOW_PRIVATE": "1", "QA_FETCH_ROBOTS": "0", "QA_OPEN_DOCS": "false"}
    )
    assert (s.fetch_allow_private, s.fetch_robots, s.open_docs) == (True, False, False)
    with pytest.raises(ConfigError, match="QA_FETCH_ALLOW_PRIVATE='maybe' is not a valid bool"):
        Settings.from_env({"QA_FETCH_ALLOW_PRIVATE": "maybe"})


@pytest.mark.slow
def test_cpu_threads_are_set_when_the_torch_model_loads() -> None:
    import torch

    from qa.store.embeddings import LocalEmbeddings

    before = torch.get_num_threads()
    try:
        settings = Settings(cpu_threads=before + 1, embedding_backend="torch")
        embeddings = LocalEmbeddings.from_settings(settings)
        assert torch.get_num_threads() == before  # nothing loads before the first embedding
        assert len(embeddings.embed_query("Where will the summit take place?")) == 384
        assert torch.get_num_threads() == before + 1
        assert embeddings.loaded_backend == "torch"
    finally:
        torch.set_num_threads(before)


def test_texts_and_feeds_are_kept_beside_the_store(tmp_path: Path) -> None:
    local = Settings(persist_dir=tmp_path / "chroma", collection="news")
    assert local.texts_dir == tmp_path / "chroma.texts" / "news"
    assert local.feeds_dir == tmp_path / "chroma.feeds" / "news"
    server = local.with_(chroma_url="http://127.0.0.1:8010")
    assert server.texts_dir == tmp_path / "texts" / "127.0.0.1_8010" / "news"
    assert local.max_fetch_bytes == 10 * 1024 * 1024
