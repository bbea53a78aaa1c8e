// Reads {"schemas": {name: schema}, "cases": [[name, data], ...]} on stdin; prints each case's verdict
// from Ajv 8's Ajv2020 in strict mode with schemas/ajv-keywords.mjs: {"warnings": [...], "verdicts": [...]}.
import Ajv2020 from "ajv/dist/2020.js"
import cioKeywords from "../../schemas/ajv-keywords.mjs"

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const { schemas, cases } = JSON.parse(Buffer.concat(chunks).toString("utf8"))
const warnings = []
const logger = { log() {}, warn: (...args) => warnings.push(args.join(" ")), error: (...args) => warnings.push(args.join(" ")) }
const ajv = cioKeywords(new Ajv2020({ strict: process.env.AJV_STRICT === "log" ? "log" : true, allowUnionTypes: true, allErrors: true, logger }))
const compiled = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, ajv.compile(schema)]))
const verdicts = cases.map(([name, data]) => {
  const validate = compiled[name]
  const valid = validate(data)
  return { valid, errors: (validate.errors || []).map((e) => `${e.instancePath} ${e.keyword}: ${e.message}`) }
})
process.stdout.write(JSON.stringify({ warnings, verdicts }))
