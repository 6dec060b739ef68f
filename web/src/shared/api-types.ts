import type { components, paths } from "../api/schema";

/** The API's schemas, as generated from the Worker's /openapi.json (`npm run web:types`). */
export type Schemas = components["schemas"];
export type Paths = paths;
export type ApiError = Schemas["Error"]["error"];
