// cio-connector's JSON Schema extensions for Ajv 8, with the meaning the Python runtime gives them.
//
//   import Ajv2020 from "ajv/dist/2020.js"
//   import cioKeywords from "./ajv-keywords.mjs"
//   const ajv = cioKeywords(new Ajv2020({ allErrors: true }))
//
// Checking keywords: x-maxBytes (UTF-8 bytes of a string; compact JSON of any other value, numbers
// written as Python writes them) and x-timestamp (an ISO date-time the calendar has, within unix
// seconds 0 to 99999999999). Annotation-only keywords (x-action, x-connector, x-message,
// x-placeholder, x-advanced, x-dynamic-options) are declared so strict mode accepts them.
// Formats: our patterns carry every check; only "date-time" also asks the calendar, as in Python.

export const UNIX_SECONDS_MAX = 99999999999

const ISO =
  /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?:[T ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(\.[0-9]{1,9})?)?(Z|z|([+-])([01][0-9]|2[0-3]):?([0-5][0-9]))?)?$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const encoder = new TextEncoder()

const ANNOTATIONS = ["x-action", "x-connector", "x-message", "x-placeholder", "x-advanced", "x-dynamic-options"]

/** A number as Python's json module writes it (1e+16, 1e-05, 0.5); whole numbers as integers. */
export function pythonNumber(n) {
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString()
  const [mantissa, e] = n.toExponential().split("e")
  const exp = Number(e)
  const sign = n < 0 ? "-" : ""
  const digits = mantissa.replace("-", "").replace(".", "")
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
}

/** Compact JSON, as the connector sends it and Customer.io measures it. */
export function compactJson(value) {
  if (typeof value === "number") return pythonNumber(value)
  if (Array.isArray(value)) return `[${value.map(compactJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${compactJson(v)}`).join(",")}}`
  }
  return JSON.stringify(value)
}

function hasLoneSurrogate(value) {
  if (typeof value === "string") return LONE_SURROGATE.test(value)
  if (Array.isArray(value)) return value.some(hasLoneSurrogate)
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => hasLoneSurrogate(k) || hasLoneSurrogate(v))
  }
  return false
}

/** UTF-8 bytes of a string, or of any other value as compact JSON; null when UTF-8 cannot hold it. */
export function sizeInBytes(value) {
  if (hasLoneSurrogate(value)) return null
  return encoder.encode(typeof value === "string" ? value : compactJson(value)).length
}

function isLeapYear(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function isCalendarDate(y, m, d) {
  const days = [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
  return y >= 1 && d <= days
}

/** Unix seconds of an ISO date-time (naive means UTC), truncated as Python's int() does; null if no such date. */
export function unixSeconds(text) {
  const m = ISO.exec(text)
  if (!m) return null
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone, sign, zh, zm] = m
  if (!isCalendarDate(+y, +mo, +d)) return null
  const date = new Date(0)
  date.setUTCFullYear(+y, +mo - 1, +d) // setUTCFullYear, not Date.UTC: years 0-99 stay themselves
  date.setUTCHours(+h, +mi, +s, 0)
  let seconds = date.getTime() / 1000 + Number(`0${fraction.slice(0, 7)}`) // Python keeps microseconds
  if (zone && sign) seconds -= (sign === "-" ? -1 : 1) * (+zh * 3600 + +zm * 60)
  return Math.trunc(seconds)
}

function failed(validate, keyword, message, params = {}) {
  validate.errors = [{ keyword, message, params }]
  return false
}

/** Register every x-* keyword (and the formats) our schemas use on ``ajv``; returns ``ajv``. */
export default function cioKeywords(ajv) {
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword, schemaType: ["string", "number", "boolean", "object", "array"] })
  ajv.addKeyword({
    keyword: "x-maxBytes",
    schemaType: "number",
    errors: true,
    validate: function maxBytes(limit, data) {
      const size = sizeInBytes(data)
      if (size === null) return failed(maxBytes, "x-maxBytes", "holds text UTF-8 cannot encode (a lone surrogate)", { limit })
      if (size > limit) return failed(maxBytes, "x-maxBytes", `is ${size} bytes; at most ${limit} bytes allowed`, { limit, size })
      return true
    },
  })
  ajv.addKeyword({
    keyword: "x-timestamp",
    schemaType: "boolean",
    errors: true,
    validate: function timestamp(enabled, data) {
      if (!enabled || typeof data !== "string" || !ISO.test(data)) return true // other shapes fail the pattern
      const seconds = unixSeconds(data)
      if (seconds === null) return failed(timestamp, "x-timestamp", "is not a date-time the calendar has")
      if (seconds < 0 || seconds > UNIX_SECONDS_MAX) {
        return failed(timestamp, "x-timestamp", "must be between 1970-01-01T00:00:00Z and the year 5138 (unix seconds 0 to 99999999999)")
      }
      return true
    },
  })
  const anything = () => true
  ajv.addFormat("email", anything) // the pattern beside it is the check
  ajv.addFormat("uri", anything)
  ajv.addFormat("uri-reference", anything)
  ajv.addFormat("date-time", (text) => {
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})/.exec(text)
    return !m || (+m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && isCalendarDate(+m[1], +m[2], +m[3]))
  })
  return ajv
}
