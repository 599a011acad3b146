// Runs one freestanding benchmark module in node (V8): node run.mjs FILE.wasm UNITS
// Prints: <result> <instantiate ms> <run ms>, timed inside node with performance.now().
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [file, units] = process.argv.slice(2);
const bytes = readFileSync(file);
const t0 = performance.now();
const { instance } = await WebAssembly.instantiate(bytes, {});
const t1 = performance.now();
const result = instance.exports.run(Number(units));
const t2 = performance.now();
console.log(`${result} ${(t1 - t0).toFixed(3)} ${(t2 - t1).toFixed(3)}`);
