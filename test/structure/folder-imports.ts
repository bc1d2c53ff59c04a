import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The folders whose imports must not form a cycle: each `shared/<x>`, and these top-level ones. */
export const TOP_LEVEL_FOLDERS = ['cli', 'functions', 'infra', 'state-machines'] as const;

export interface FolderImport {
  from: string;
  to: string;
  /** The importing file and the specifier, relative to the repository root, for the failure message. */
  file: string;
  specifier: string;
}

/** The folder a repository-relative path belongs to (`shared/engine`, `cli`, …); undefined outside them. */
export function folderOf(path: string): string | undefined {
  const [top, second, ...rest] = path.split('/');
  if (top === 'shared') return second !== undefined && rest.length > 0 ? `shared/${second}` : undefined;
  return (TOP_LEVEL_FOLDERS as readonly string[]).includes(top ?? '') ? top : undefined;
}

/**
 * Every module specifier of a source file: static imports and re-exports (type-only included: a
 * type cycle still ties two folders together) and dynamic `import()`, whose template literal
 * counts by its fixed head (`#functions/${name}.ts` imports from `functions`).
 */
export function moduleSpecifiers(sourceText: string, fileName = 'module.ts'): string[] {
  const source = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) specifiers.push(argument.text);
      else if (argument && ts.isTemplateExpression(argument)) specifiers.push(argument.head.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** The repository-relative path a specifier points at: `#x/…` through package.json `imports`, `./…` from the file; undefined for packages. */
function resolveSpecifier(root: string, file: string, specifier: string, subpaths: Readonly<Record<string, string>>): string | undefined {
  if (specifier.startsWith('.')) return relative(root, resolve(dirname(join(root, file)), specifier)).split(sep).join('/');
  if (!specifier.startsWith('#')) return undefined;
  for (const [pattern, target] of Object.entries(subpaths)) {
    const prefix = pattern.replace(/\*$/, '');
    if (specifier.startsWith(prefix)) return join(target.replace(/\*$/, ''), specifier.slice(prefix.length)).split(sep).join('/');
  }
  return undefined;
}

function sourceFiles(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Every import in the product folders that crosses from one folder into another. */
export function folderImports(root: string): FolderImport[] {
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { imports: Record<string, string> };
  const imports: FolderImport[] = [];
  for (const file of ['shared', ...TOP_LEVEL_FOLDERS].flatMap((folder) => sourceFiles(root, folder))) {
    const from = folderOf(file);
    if (!from) continue;
    for (const specifier of moduleSpecifiers(readFileSync(join(root, file), 'utf8'), file)) {
      const target = resolveSpecifier(root, file, specifier, packageJson.imports);
      const to = target === undefined ? undefined : folderOf(target);
      if (to && to !== from) imports.push({ from, to, file, specifier });
    }
  }
  return imports;
}

/** The groups of folders that import each other, directly or through others (strongly connected components of two or more). */
export function folderCycles(imports: readonly Pick<FolderImport, 'from' | 'to'>[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, new Set());
    if (!edges.has(to)) edges.set(to, new Set());
    edges.get(from)?.add(to);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    lowLink.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(next) ?? 0));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles.sort((left, right) => (left[0] ?? '').localeCompare(right[0] ?? ''));
}
