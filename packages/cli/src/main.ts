#!/usr/bin/env node
import { runCli } from './cli';

const { env, stdin, stdout, stderr } = process;

runCli(process.argv.slice(2), { env, stdin, stdout, stderr }).then(
  (code) => {
    // `serve` returns once listening; the open server keeps the process alive.
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
