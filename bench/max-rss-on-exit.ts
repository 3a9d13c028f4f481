/**
 * Preloaded into a pinbench child by the RSS benchmark (`node --import`): writes the process's
 * peak resident set (getrusage maxrss, worker threads included: they share the process) to the
 * file named by PINBENCH_RSS_OUT when it exits, however it exits.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.PINBENCH_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
