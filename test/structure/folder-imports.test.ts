import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { folderCycles, folderImports, folderOf, moduleSpecifiers } from './folder-imports.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('import cycles between folders', () => {
  it('none among shared/<folder>, cli, functions, infra and state-machines', () => {
    const imports = folderImports(ROOT);
    const cycles = folderCycles(imports);
    const explained = cycles.map((cycle) => ({
      folders: cycle,
      imports: imports
        .filter((edge) => cycle.includes(edge.from) && cycle.includes(edge.to))
        .map((edge) => `${edge.file} → ${edge.specifier}`),
    }));
    expect(explained).toEqual([]);
  });

  it('sees the imports it must see (so an empty answer means something)', () => {
    const imports = folderImports(ROOT);
    const edge = (from: string, to: string) => imports.some((found) => found.from === from && found.to === to);
    expect(edge('shared/eval', 'shared/engine')).toBe(true); // #shared/… subpath
    expect(edge('shared/stores', 'shared/engine')).toBe(true); // ../engine/… relative
    expect(edge('infra', 'functions')).toBe(true); // import(`#functions/${name}.ts`)
  });
});

describe('folderCycles', () => {
  it('finds a direct and an indirect cycle, and nothing in a layered graph', () => {
    expect(folderCycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }])).toEqual([['a', 'b']]);
    expect(
      folderCycles([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
        { from: 'c', to: 'd' },
      ]),
    ).toEqual([['a', 'b', 'c']]);
    expect(folderCycles([{ from: 'cli', to: 'shared/engine' }, { from: 'shared/engine', to: 'shared/rules' }, { from: 'cli', to: 'shared/rules' }])).toEqual([]);
  });
});

describe('moduleSpecifiers', () => {
  it('reads imports, type imports, re-exports and dynamic imports', () => {
    const source = [
      "import { a } from '#shared/rules/a.ts';",
      "import type { B } from '../engine/b.ts';",
      "export { c } from './c.ts';",
      "export * from '#shared/model/d.ts';",
      "const e = await import('#cli/e.ts');",
      'const f = await import(`#functions/${name}.ts`);',
      "const g = 'import(\"#infra/not-an-import.ts\")';",
    ].join('\n');
    expect(moduleSpecifiers(source)).toEqual(['#shared/rules/a.ts', '../engine/b.ts', './c.ts', '#shared/model/d.ts', '#cli/e.ts', '#functions/']);
  });
});

describe('folderOf', () => {
  it('is shared/<x> under shared, the top folder for the others, undefined elsewhere', () => {
    expect(folderOf('shared/engine/batch-runner.ts')).toBe('shared/engine');
    expect(folderOf('shared/model/providers/openai-model-client.ts')).toBe('shared/model');
    expect(folderOf('infra/local/local-runtime.ts')).toBe('infra');
    expect(folderOf('state-machines/render-state-machine.ts')).toBe('state-machines');
    expect(folderOf('test/fakes/fake-openai-server.ts')).toBeUndefined();
    expect(folderOf('bench/engine-bench.ts')).toBeUndefined();
  });
});
