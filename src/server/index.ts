export { HttpError, readBody, sendJson, startHttpServer } from './http';
export type { HttpServerHandle, HttpServerOptions, ReadinessCheck, RouteContext, RouteHandler, RouteOptions } from './http';
