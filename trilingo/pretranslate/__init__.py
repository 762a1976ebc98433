"""Pretranslation: translation memory → glossary → engine → checks, for one batch and one language."""
