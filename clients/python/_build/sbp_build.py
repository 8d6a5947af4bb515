"""A tiny in-tree PEP 517/660 build backend, standard library only.

The sbp package is pure Python with no dependencies; this backend builds its wheel and sdist without setuptools or
wheel, so ``pip install clients/python`` works offline on any Python 3.7+ (with or without build isolation).
Metadata comes from the ``[project]`` table of pyproject.toml (simple ``key = "value"`` lines only).
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "sbp"
TAG = "py3-none-any"


def _project():
    values = {}
    section = None
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
                continue
            if section == "[project]":
                m = re.match(r'^([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"\s*$', line)
                if m:
                    values[m.group(1)] = m.group(2)
    return values


def _metadata():
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % p["name"],
        "Version: %s" % p["version"],
        "Summary: %s" % p.get("description", ""),
    ]
    if "requires-python" in p:
        lines.append("Requires-Python: %s" % p["requires-python"])
    readme = os.path.join(ROOT, p.get("readme", "README.md"))
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = f.read()
    return p["name"], p["version"], "\n".join(lines) + "\n\n" + body


def _dist_info(name, version):
    return "%s-%s.dist-info" % (name, version)


def _wheel_file():
    return "Wheel-Version: 1.0\nGenerator: sbp_build\nRoot-Is-Purelib: true\nTag: %s\n" % TAG


def _package_files():
    base = os.path.join(ROOT, PACKAGE)
    for entry in sorted(os.listdir(base)):
        if entry.endswith(".py"):
            yield "%s/%s" % (PACKAGE, entry), os.path.join(base, entry)


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def _write_wheel(wheel_directory, files):
    name, version, metadata = _metadata()
    info = _dist_info(name, version)
    wheel_name = "%s-%s-%s.whl" % (name, version, TAG)
    contents = list(files) + [
        ("%s/METADATA" % info, metadata.encode("utf-8")),
        ("%s/WHEEL" % info, _wheel_file().encode("utf-8")),
        ("%s/top_level.txt" % info, (PACKAGE + "\n").encode("utf-8")),
    ]
    record = [_record_line(path, data) for path, data in contents] + ["%s/RECORD,," % info]
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in contents:
            z.writestr(path, data)
        z.writestr("%s/RECORD" % info, "\n".join(record) + "\n")
    return wheel_name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    name, version, metadata = _metadata()
    info = _dist_info(name, version)
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(metadata)
    with open(os.path.join(metadata_directory, info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []
    for path, source in _package_files():
        with open(source, "rb") as f:
            files.append((path, f.read()))
    return _write_wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [("_%s_editable.pth" % PACKAGE, (ROOT + "\n").encode("utf-8"))])


def build_sdist(sdist_directory, config_settings=None):
    name, version, metadata = _metadata()
    base = "%s-%s" % (name, version)
    archive = os.path.join(sdist_directory, base + ".tar.gz")
    with tarfile.open(archive, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel in ["pyproject.toml", "README.md", "_build/sbp_build.py"] + [p for p, _ in _package_files()]:
            tar.add(os.path.join(ROOT, rel), arcname="%s/%s" % (base, rel))
        data = metadata.encode("utf-8")
        info = tarfile.TarInfo("%s/PKG-INFO" % base)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return os.path.basename(archive)
