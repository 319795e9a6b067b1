"""Fast tests of the moving app: WordPress and Markdown imports, exports, the demo; wxr/ holds small WXR files."""
