// Loaded before every test file (bunfig.toml): the same start-up the binary does in src/main.ts.
import "reflect-metadata";
