import { describe, expect, it } from 'vitest';
import { DEFAULT_FIELDS, cityDerivedFields, cityFieldOf, mergeConfigLayers, parseConfig } from '#shared/config/normalization-config.ts';
import { PIPELINE_OWNED_ATTRIBUTES } from '#shared/config/pipeline-owned-attributes.ts';
import { ConfigError } from '#shared/errors/normflow-errors.ts';

const ORIGINAL_FIELDS = {
  nombres: 'personName',
  apellidos: 'personName',
  direccion: 'address',
  ciudad: 'city',
  nivelEducativo: 'educationLevel',
  ocupacionActual: 'occupation',
  empresa: 'organization',
};

function configError(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected parseConfig(${JSON.stringify(input)}) to throw`);
}

describe('parseConfig defaults', () => {
  it('equal the original system when nothing is configured', () => {
    const config = parseConfig({});
    expect(config.fields).toEqual(ORIGINAL_FIELDS);
    expect(config).toMatchObject({
      enabled: true,
      batchSize: 10,
      maxLeadsPerRun: 50,
      normalizationTTLDays: 7,
      llmMode: 'fallback',
      model: { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', temperature: 0, maxTokens: 1000 },
    });
  });

  it('treats undefined and null input as an empty config', () => {
    expect(parseConfig(undefined)).toEqual(parseConfig({}));
    expect(parseConfig(null)).toEqual(parseConfig({}));
  });

  it('exports the original field map as DEFAULT_FIELDS', () => {
    expect(DEFAULT_FIELDS).toEqual(ORIGINAL_FIELDS);
  });

  it('gives each parse its own fields object, so mutating one config cannot leak into the next', () => {
    const first = parseConfig({});
    const second = parseConfig({});
    expect(first.fields).not.toBe(second.fields);
    expect(first.fields).not.toBe(DEFAULT_FIELDS);
  });
});

describe('parseConfig custom values', () => {
  it('lets a deployment map its own field names to kinds', () => {
    const config = parseConfig({ fields: { firstName: 'personName', town: 'city', notes: 'text' } });
    expect(config.fields).toEqual({ firstName: 'personName', town: 'city', notes: 'text' });
  });

  it('keeps the other model defaults when only part of model is given', () => {
    const config = parseConfig({ model: { temperature: 0.5 } });
    expect(config.model.temperature).toBe(0.5);
    expect(config.model.modelId).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    expect(config.model.maxTokens).toBe(1000);
  });

  it('accepts every allowed llmMode', () => {
    for (const llmMode of ['fallback', 'always', 'never'] as const) {
      expect(parseConfig({ llmMode }).llmMode).toBe(llmMode);
    }
  });
});

describe('parseConfig rejections', () => {
  it('names an unknown top-level key', () => {
    const error = configError({ foo: 1 });
    expect(error.name).toBe('Config.Invalid');
    expect(error.message).toContain('"foo"');
  });

  it('names an unknown key inside model with its path', () => {
    expect(configError({ model: { temprature: 0 } }).message).toContain('"model.temprature"');
  });

  it.each([
    [{ batchSize: '10' }, 'batchSize'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ model: { temperature: 'cold' } }, 'model.temperature'],
    [{ model: { maxTokens: 12.5 } }, 'model.maxTokens'],
    [{ llmMode: 'sometimes' }, 'llmMode'],
    [{ fields: { ciudad: 'town' } }, 'fields.ciudad'],
  ])('names the key of a wrong value: %j', (input, key) => {
    expect(configError(input).message).toContain(`${key}:`);
  });

  it('names every bad key at once', () => {
    const message = configError({ foo: 1, batchSize: 0, model: { temprature: 0 } }).message;
    expect(message).toContain('"foo"');
    expect(message).toContain('batchSize:');
    expect(message).toContain('"model.temprature"');
  });

  it('rejects two city fields', () => {
    const message = configError({ fields: { ciudad: 'city', municipio: 'city' } }).message;
    expect(message).toContain('fields:');
    expect(message).toContain('at most one field may be of kind city');
  });

  it('rejects an empty field map', () => {
    expect(configError({ fields: {} }).message).toContain('fields:');
  });

  it('takes any header text as a field name (spaces, accents), but not two names for one column', () => {
    expect(parseConfig({ fields: { 'Ciudad de residencia': 'city', Nombres: 'personName' }, idField: 'Número de documento' })).toMatchObject({
      fields: { 'Ciudad de residencia': 'city', Nombres: 'personName' },
      idField: 'Número de documento',
    });
    expect(configError({ fields: { nombres: 'personName', NOMBRES: 'personName' } }).message).toContain('"nombres" and "NOMBRES" name the same column');
    expect(configError({ fields: { ' nombres': 'personName' } }).message).toContain('no leading or trailing spaces');
    expect(configError({ fields: { '': 'personName' } }).message).toContain('fields');
  });

  it.each(PIPELINE_OWNED_ATTRIBUTES)('refuses %s as a field: the pipeline writes it on every lead, so it is no original', (attribute) => {
    expect(configError({ fields: { nombres: 'personName', [attribute]: 'city' } }).message).toContain(`"${attribute}" is an attribute the pipeline writes on every lead`);
  });
});

describe('mergeConfigLayers', () => {
  it('lets later layers win key by key', () => {
    expect(mergeConfigLayers({ batchSize: 5, llmMode: 'never' }, { batchSize: 20 })).toEqual({
      batchSize: 20,
      llmMode: 'never',
    });
  });

  it('skips undefined layers', () => {
    expect(mergeConfigLayers(undefined, { batchSize: 5 }, undefined)).toEqual({ batchSize: 5 });
  });

  it('merges model one level deep', () => {
    const merged = mergeConfigLayers(
      { model: { modelId: 'a', temperature: 0.2, prices: { a: { inputPerMillion: 1, outputPerMillion: 2 } } } },
      { model: { temperature: 0.7, prices: { b: { inputPerMillion: 3, outputPerMillion: 4 } } } },
    );
    expect(merged).toEqual({
      model: { modelId: 'a', temperature: 0.7, prices: { b: { inputPerMillion: 3, outputPerMillion: 4 } } },
    });
  });

  it('replaces fields whole', () => {
    const merged = mergeConfigLayers({ fields: { ...DEFAULT_FIELDS } }, { fields: { town: 'city' } });
    expect(merged).toEqual({ fields: { town: 'city' } });
  });

  it('does not modify its layers', () => {
    const base = { model: { modelId: 'a' } };
    mergeConfigLayers(base, { model: { temperature: 1 } });
    expect(base).toEqual({ model: { modelId: 'a' } });
  });

  it('produces a config that parseConfig accepts with defaults filled in', () => {
    const config = parseConfig(mergeConfigLayers({ model: { maxTokens: 500 } }, { model: { temperature: 0.3 } }));
    expect(config.model).toMatchObject({ maxTokens: 500, temperature: 0.3, modelId: 'anthropic.claude-3-haiku-20240307-v1:0' });
  });
});

describe('cityDerivedFields', () => {
  it('appends Departamento and CodigoDane, with a space when the name has spaces', () => {
    expect(cityDerivedFields('ciudad')).toEqual({ departamento: 'ciudadDepartamento', codigoDane: 'ciudadCodigoDane' });
    expect(cityDerivedFields('Ciudad de residencia')).toEqual({ departamento: 'Ciudad de residencia Departamento', codigoDane: 'Ciudad de residencia CodigoDane' });
  });
});

describe('cityFieldOf', () => {
  it('finds the default city field', () => {
    expect(cityFieldOf(parseConfig({}))).toBe('ciudad');
  });

  it('finds a deployment-named city field', () => {
    expect(cityFieldOf(parseConfig({ fields: { nombre: 'personName', municipio: 'city' } }))).toBe('municipio');
  });

  it('is undefined when no field is a city', () => {
    expect(cityFieldOf(parseConfig({ fields: { nombre: 'personName' } }))).toBeUndefined();
  });
});
