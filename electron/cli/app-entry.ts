/** What the bundled app file exports to its entry (bundle-main.ts): the whole `parley` command is run-cli.ts. */
export { runCli } from './run-cli.ts';
