from .actions import abolish, answer, lost, reissue
from .desk import index, letter, person
from .register import register, reregister

__all__ = ["abolish", "answer", "index", "letter", "lost", "person", "register", "reissue", "reregister"]
