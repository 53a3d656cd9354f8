"""Reading a knowledge base: its files, each YAML file with positions, the model, the cache, and the checks across files."""
