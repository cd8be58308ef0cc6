import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Reflector, type DiscoveryService, type MetadataScanner } from '@nestjs/core';
import { ACCESS_METADATA, DEFAULT_ACCESS, type AccessRule } from '../auth/access.decorator';
import { API_DOC_METADATA, type ApiDocOptions } from './api-doc.decorator';

/** One HTTP route of the app, with who may call it and its documentation. */
export interface RouteEntry {
  method: string;
  /** The path in OpenAPI form: `/api/tokens/{id}`. */
  path: string;
  controller: string;
  handler: string;
  access: AccessRule;
  doc?: ApiDocOptions;
}

/** Reads every controller route from the Nest container: the single route table for docs and tests. */
export function collectRoutes(discovery: DiscoveryService, scanner: MetadataScanner): RouteEntry[] {
  const reflector = new Reflector();
  const routes: RouteEntry[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const controllerPaths = toArray(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) as string | string[] | undefined);
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (methodPaths === undefined || method === undefined) continue;
      const access = reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [handler, wrapper.metatype]) ?? DEFAULT_ACCESS;
      const doc = reflector.get<ApiDocOptions | undefined>(API_DOC_METADATA, handler);
      for (const base of controllerPaths) {
        for (const sub of toArray(methodPaths)) {
          routes.push({ method: RequestMethod[method], path: joinPath(base, sub), controller: wrapper.metatype.name, handler: name, access, doc });
        }
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

function toArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return ['/'];
  return Array.isArray(value) ? value : [value];
}

function joinPath(base: string, sub: string): string {
  const joined = `/${[base, sub].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
