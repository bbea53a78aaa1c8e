// Renders one schema with react-jsonschema-form and with JSON Forms (vanilla renderers), as a UI
// developer would, with Ajv2020 and schemas/ajv-keywords.mjs. esbuild bundles it at test time.
import React from "react"
import { createRoot } from "react-dom/client"
import { flushSync } from "react-dom"
import Form from "@rjsf/core"
import { customizeValidator } from "@rjsf/validator-ajv8"
import Ajv2020 from "ajv/dist/2020.js"
import { JsonForms } from "@jsonforms/react"
import { vanillaCells, vanillaRenderers } from "@jsonforms/vanilla-renderers"
import cioKeywords from "../../schemas/ajv-keywords.mjs"

const validator = customizeValidator({ AjvClass: Ajv2020, ajvOptionsOverrides: { allowUnionTypes: true } })
cioKeywords(validator.ajv)
const jsonformsAjv = cioKeywords(new Ajv2020({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true }))

const roots = {}
function root(id) {
  roots[id] ??= createRoot(document.getElementById(id))
  return roots[id]
}

window.renderForms = ({ schema, rjsfUi, jsonformsUi, formData }) => {
  window.lastErrors = { rjsf: null, jsonforms: null }
  flushSync(() => {
    root("rjsf").render(
      <Form key={schema.$id} schema={schema} uiSchema={rjsfUi} validator={validator} formData={formData} liveValidate
        onChange={(e) => { window.lastErrors.rjsf = e.errors.map((x) => x.stack) }} />,
    )
    root("jsonforms").render(
      <JsonForms key={schema.$id} schema={schema} uischema={jsonformsUi} data={formData} renderers={vanillaRenderers}
        cells={vanillaCells} ajv={jsonformsAjv} onChange={({ errors }) => { window.lastErrors.jsonforms = errors.map((x) => `${x.instancePath} ${x.message}`) }} />,
    )
  })
}
window.validateWithRjsf = (schema, data) => validator.validateFormData(data, schema).errors.map((e) => e.stack)
