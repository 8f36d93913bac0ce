// One containment test for every place the server maps names to paths.
import path from 'node:path';

/** True when `candidate` is `root` itself or below it (both absolute and normalised, e.g. realpaths). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  if (relative === '') return true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
