import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { FilterSyntaxError, parseFilter } from './filter.ts';
import type { KlaviyoSpec, SpecOperation } from './spec.ts';

/** One problem with a request, in the terms of Klaviyo's error objects. */
export interface ValidationProblem {
  detail: string;
  pointer?: string;
  parameter?: string;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2019) => void;

/**
 * Closes every object schema that lists its properties, so an attribute Klaviyo does not know is rejected
 * (Klaviyo answers "'x' is not a valid field for the resource 'y'"). Free-form objects (`properties`,
 * `custom_metadata`) declare no properties and stay open.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, closeObjects(pv)]))
        : closeObjects(v);
  }
  const hasDeclaredProperties = out.properties && typeof out.properties === 'object' && !('$ref' in out);
  if (hasDeclaredProperties && out.additionalProperties === undefined && !out.allOf && !out.oneOf && !out.anyOf) {
    out.additionalProperties = false;
  }
  return out;
}

/** OpenAPI 3.0 `nullable` without `type` (beside `$ref` or `oneOf`) is not JSON Schema: rewrite it as anyOf null. */
function rewriteNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = rewriteNullable(v);
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _n, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function problemFromAjv(e: ErrorObject, basePointer: string): ValidationProblem {
  const pointer = basePointer + e.instancePath;
  const field = e.instancePath.split('/').filter(Boolean).pop() ?? 'data';
  switch (e.keyword) {
    case 'required':
      return {
        detail: `'${String(e.params.missingProperty)}' is a required field.`,
        pointer: `${pointer}/${String(e.params.missingProperty)}`,
      };
    case 'additionalProperties':
      return {
        detail: `'${String(e.params.additionalProperty)}' is not a valid field for this resource.`,
        pointer: `${pointer}/${String(e.params.additionalProperty)}`,
      };
    case 'enum':
      return {
        detail: `'${field}' must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}.`,
        pointer,
      };
    case 'type':
      return { detail: `'${field}' must be of type ${String(e.params.type)}.`, pointer };
    default:
      return { detail: `'${field}' ${e.message ?? 'is invalid'}.`, pointer };
  }
}

export class SpecValidator {
  private readonly ajv: Ajv2019;
  private readonly bodyValidators = new Map<string, ValidateFunction>();

  constructor(
    private readonly spec: KlaviyoSpec,
    options: { rejectUnknownFields: boolean },
  ) {
    this.ajv = new Ajv2019({ strict: false, allErrors: false, validateFormats: true, discriminator: false });
    addFormats(this.ajv);
    const schemas = rewriteNullable(
      options.rejectUnknownFields ? closeObjects(spec.componentsSchemas) : spec.componentsSchemas,
    );
    this.ajv.addSchema({ $id: 'klaviyo', components: { schemas } });
  }

  operation(operationId: string): SpecOperation | undefined {
    return this.spec.operations.get(operationId);
  }

  validateBody(operationId: string, body: unknown): ValidationProblem[] {
    const op = this.spec.operations.get(operationId);
    if (!op?.requestBodyRef) return [];
    if (body === undefined || body === null) {
      return op.isRequestBodyRequired ? [{ detail: 'A JSON:API request body is required.', pointer: '/data' }] : [];
    }
    let validate = this.bodyValidators.get(operationId);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `klaviyo${op.requestBodyRef}` });
      this.bodyValidators.set(operationId, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 1).map((e) => problemFromAjv(e, ''));
  }

  validateQuery(operationId: string, query: Record<string, string>): ValidationProblem[] {
    const op = this.spec.operations.get(operationId);
    if (!op) return [];
    const problems: ValidationProblem[] = [];
    const known = new Map(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, p]));
    for (const [name, value] of Object.entries(query)) {
      const param = known.get(name);
      if (!param) {
        problems.push({ detail: `'${name}' is not a valid query parameter for this endpoint.`, parameter: name });
        continue;
      }
      problems.push(...checkParameter(name, value, param.schema, param.filterRules));
    }
    return problems;
  }
}

function checkParameter(
  name: string,
  value: string,
  schema: Record<string, unknown>,
  filterRules: Map<string, Set<string>> | undefined,
): ValidationProblem[] {
  if (name === 'filter') {
    try {
      const conditions = parseFilter(value);
      if (filterRules) {
        for (const c of conditions) {
          const ops = filterRules.get(c.field);
          if (!ops)
            return [{ detail: `'${c.field}' is not a valid filter field for this endpoint.`, parameter: 'filter' }];
          if (!ops.has(c.operator)) {
            return [
              {
                detail: `Operator '${c.operator}' is not allowed for filter field '${c.field}' (allowed: ${[...ops].join(', ')}).`,
                parameter: 'filter',
              },
            ];
          }
        }
      }
    } catch (e) {
      if (e instanceof FilterSyntaxError) return [{ detail: e.message, parameter: 'filter' }];
      throw e;
    }
    return [];
  }
  if (schema.type === 'integer') {
    const n = Number(value);
    if (!/^-?\d+$/.test(value)) return [{ detail: `'${name}' must be an integer.`, parameter: name }];
    if (typeof schema.minimum === 'number' && n < schema.minimum)
      return [{ detail: `'${name}' must be at least ${schema.minimum}.`, parameter: name }];
    if (typeof schema.maximum === 'number' && n > schema.maximum)
      return [{ detail: `'${name}' must be at most ${schema.maximum}.`, parameter: name }];
    return [];
  }
  if (schema.type === 'array') {
    const allowed = (schema.items as { enum?: string[] } | undefined)?.enum;
    if (!allowed) return [];
    const bad = value.split(',').filter((v) => !allowed.includes(v));
    return bad.length ? [{ detail: `Invalid value(s) for '${name}': ${bad.join(', ')}.`, parameter: name }] : [];
  }
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(value)) {
    return [{ detail: `'${name}' must be one of: ${(schema.enum as unknown[]).join(', ')}.`, parameter: name }];
  }
  return [];
}
