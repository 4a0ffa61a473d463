"""Labelled data of the duplicate finder (a package, so that its files ship with the code)."""
