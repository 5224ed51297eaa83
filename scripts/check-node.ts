// The repo brings its own Node (the `node` devDependency); this guards against running the
// scripts with an older one by accident, with a message that says what to do.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  console.error(
    `Node ${process.versions.node} is too old; run through npm (npm test / npm start), which uses the Node 24 from node_modules.`,
  )
  process.exit(1)
}
