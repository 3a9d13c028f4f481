#!/usr/bin/env node
// Entry point. pinbench runs its TypeScript sources directly with Node's type stripping
// (Node >= 22.18). `npm start`, `npm test` and `npx pinbench` use the Node 24 that the `node`
// devDependency puts first on PATH, so a machine with an older system Node still works there.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `pinbench needs Node >= 22.18 (this is ${process.version}). Run it through npm ` +
      '(`npm start`, `npx pinbench ...`) to use the Node 24 the project pins, or install a newer Node.\n',
  );
  process.exit(2);
}
// `pinbench runs --json | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
