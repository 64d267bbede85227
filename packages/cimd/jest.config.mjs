import { jestProject } from '../../scripts/jest-preset.mjs';

export default jestProject(import.meta.url);
