"""The wheel carries the templates and data: built, installed into a fresh virtualenv
outside the repository, it compiles a spec."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import REPO


@pytest.mark.slow
def test_wheel_installs_and_builds_outside_the_repo(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("cachegen-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "cachegen/templates/cloudformation/stack.yaml.j2" in names
    assert "cachegen/data/node_types.yaml" in names
    assert "cachegen/schema/cachegen.schema.json" in names  # the editor schema ships too

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)

    work = tmp_path / "work"
    shutil.copytree(REPO / "spec", work / "spec")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    result = subprocess.run([str(env_dir / "bin" / "cachegen"), "build", "spec/prod.yaml"], cwd=work, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (work / "out" / "prod" / "cloudformation" / "stack.yaml").read_text() == \
        (REPO / "out" / "prod" / "cloudformation" / "stack.yaml").read_text()
    where = subprocess.run([str(python), "-c", "import cachegen; print(cachegen.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where, "the wheel, not the repository, must have been used"
    # compiling needs no AWS SDK: boto3 is the `aws` extra, and the AWS commands say so
    assert subprocess.run([str(python), "-c", "import boto3"], capture_output=True).returncode != 0
    drift = subprocess.run([str(env_dir / "bin" / "cachegen"), "drift", "spec/prod.yaml"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert drift.returncode == 2 and "pip install 'cachegen[aws]'" in drift.stderr, drift.stderr
