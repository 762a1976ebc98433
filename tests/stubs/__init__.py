"""Local HTTP stubs that imitate the online MT engines' APIs, with fault injection, on 127.0.0.1."""

from .server import FAULTS, StubEngine, fake_translate, refused_url

__all__ = ["FAULTS", "StubEngine", "fake_translate", "refused_url"]
