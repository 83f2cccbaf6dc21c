"""Producers: push raw articles onto articles.raw (files and folders, feeds, watched folders, HTTP)."""
