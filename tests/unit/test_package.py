"""tests/package.py: the helpers of make test's package stage."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests import package


def test_the_pip_bootstrap_is_seeded_where_ansible_test_looks(tmp_path: Path) -> None:
    version = package.pip_bootstrap_version()
    assert version.count(".") >= 1
    script = package.seed_pip_bootstrap(tmp_path)
    name = f"get_pip_{version.replace('.', '_')}.py"
    assert script == tmp_path / ".ansible" / "test" / "cache" / name
    text = script.read_text()
    assert "ensurepip.bootstrap()" in text
    compile(text, str(script), "exec")  # a valid script, not a download


def test_the_tarball_unpacks_as_an_installed_collection(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "MANIFEST.json").write_text("{}")
    archive = tmp_path / "c.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "MANIFEST.json", arcname="MANIFEST.json")
    target = package.unpack(archive, tmp_path / "out")
    assert target == tmp_path / "out" / "ansible_collections" / "plugspace" / "monitoring"
    assert (target / "MANIFEST.json").read_text() == "{}"


def test_the_galaxy_user_gets_the_pinned_ansible_core_and_no_repository_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert package.pinned_ansible_core().startswith("ansible-core==")
    monkeypatch.setenv("ANSIBLE_CONFIG", "/repo/ansible.cfg")
    assert "ANSIBLE_CONFIG" not in package.tool_env()


def test_the_user_project_lives_in_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLUGSPACE_MIRROR_URL", "http://127.0.0.1:1")
    package.user_project(tmp_path, tmp_path / "collections", tmp_path / "connection")
    config = (tmp_path / "ansible.cfg").read_text()
    assert f"collections_path = {tmp_path / 'collections'}:{tmp_path / 'connection'}" in config
    inventory = (tmp_path / "inventory.yml").read_text()
    assert f"ansible_host: {package.CONTAINER}" in inventory
    assert "binary_service_mirror_url: 'http://127.0.0.1:1'" in inventory
    # basic auth, so that the run needs bcrypt from the collection's requirements.txt
    assert f"{{{package.SCRAPE_USER}: {package.SCRAPE_PASSWORD}}}" in inventory
    assert "plugspace.monitoring.node_exporter" in (tmp_path / "site.yml").read_text()


def test_the_connection_path_holds_only_community_docker(tmp_path: Path) -> None:
    path = package.connection_only(tmp_path)
    assert [p.name for p in (path / "ansible_collections").iterdir()] == ["community"]
    assert [p.name for p in (path / "ansible_collections" / "community").iterdir()] == ["docker"]
    assert (path / "ansible_collections/community/docker/plugins/connection/docker.py").is_file()


def test_an_unknown_check_is_a_usage_error() -> None:
    assert package.main(["nope"]) == 2
    assert package.main([]) == 2
