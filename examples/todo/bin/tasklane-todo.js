#!/usr/bin/env node
// tasklane-todo: a terminal to-do list on a Tasklane server. `tasklane-todo --help` lists the commands.
import { main } from '../src/app.js'

process.exitCode = await main(process.argv.slice(2))
