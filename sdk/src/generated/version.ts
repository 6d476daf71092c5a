// generated from openapi.yaml by `npm run generate` — do not edit

/** This SDK's version, sent as `Tasklane-Client: tasklane-sdk-js/<version>`. */
export const SDK_VERSION = '0.2.0'
/** The version of the contract (openapi.yaml's `info.version`) these types were generated from. */
export const API_VERSION = '1.0.0'
