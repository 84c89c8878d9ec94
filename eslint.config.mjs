// ESLint for the TypeScript: ESLint's and typescript-eslint's recommended rules plus the type-checked ones, and for the
// app (app/, React) the rules of hooks (eslint-plugin-react-hooks' recommended set).
// The type-checked rules read the program through tsconfig.json, so `typechain-types/` must exist:
// `npm run lint` compiles first. No stylistic rules: prettier owns the formatting. No rule is changed.
import eslint from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores([
    "node_modules/**",
    "artifacts/**",
    "cache/**",
    "typechain-types/**",
    "coverage/**",
    "reports/**",
    "dist/**",
    // Plain JavaScript (scripts/coverage-gate.js, .solcover.js, this file) is not in the TypeScript program.
    "**/*.js",
    "**/*.cjs",
    "**/*.mjs",
  ]),
  {
    files: ["scripts/**/*.ts", "test/**/*.ts", "deploy/**/*.ts", "hardhat.config.ts"],
    extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ["app/**/*.{ts,tsx,mts}"],
    extends: [
      eslint.configs.recommended,
      tseslint.configs.recommendedTypeChecked,
      reactHooks.configs.flat.recommended,
    ],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
