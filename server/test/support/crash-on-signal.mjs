// Preloaded (NODE_OPTIONS=--import) into a `tasklane serve` under test: SIGUSR2 makes the process fail as a
// bug in it would, from a callback with nothing to catch the error: a throw, or with CRASH_WITH=rejection a
// promise rejected with nobody waiting on it.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    if (process.env.CRASH_WITH === 'rejection') void Promise.reject(new Error('injected rejection'))
    else throw new Error('injected crash')
  })
})
