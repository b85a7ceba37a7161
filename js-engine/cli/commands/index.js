// Every command, in the order the overview lists them. A command is a module whose default export is its spec:
// {name, args, summary, options: {'--flag VALUE': help}, environment?: {'NAME=VALUE': help}, examples,
//  run({command, positionals, flags}) -> exit code}.
import run from './run.js';
import event from './event.js';
import { pause, resume, terminate, restart } from './control.js';
import status from './status.js';
import history from './history.js';
import list from './list.js';
import exportCmd from './export.js';
import replay from './replay.js';
import serve from './serve.js';
import dev from './dev.js';
import install from './install.js';
import init from './init.js';
import check from './check.js';

export const COMMANDS = [run, event, status, history, list, pause, resume, terminate, restart, exportCmd, replay, serve, dev, install, init, check];
