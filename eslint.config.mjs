import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', 'data/', 'coverage/', 'dist/', 'store/embedded/ferretdb/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-irregular-whitespace': ['error', { skipStrings: true, skipTemplates: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Dependencies point one way: channels → router → commands → services → domain; repos
  // implement what services need. Each layer may not import the layers outside it.
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{
        group: ['**/services/**', '**/store/**', '**/bot/**', '**/cli/**', '**/http/**', '**/runtime', '**/app', '**/config', '**/logger', 'mongoose', 'koa', '@koa/router', 'axios', 'node:fs', 'node:child_process', 'node:http'],
        message: 'src/domain is pure: no I/O, no clock, no outer layer (ARCHITECTURE.md).',
      }] }],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{
        group: ['**/bot/**', '**/cli/**', '**/http/**', '**/runtime', '**/app', 'koa', '@koa/router', 'axios'],
        message: 'Services are use cases: they know neither the chat nor HTTP, nor the composition root (ARCHITECTURE.md).',
      }] }],
    },
  },
  {
    files: ['store/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{
        group: ['**/src/services/**', '**/bot/commands/**', '**/bot/delivery/**', '**/bot/router', '!@koa/router', '**/src/http/**', '**/src/app', '**/src/runtime'],
        message: 'The store implements what services declare; it does not call them (ARCHITECTURE.md).',
      }, {
        // A repo stores what the delivery layer decided (e.g. an outbox entry's rate bucket); it applies no channel policy.
        group: ['**/bot/**'],
        allowTypeImports: true,
        message: 'The store keeps channel payloads as data: type imports only, no channel code (ARCHITECTURE.md).',
      }] }],
    },
  },
  {
    // Commands, the router and the views shared with reminders: they ask services, never the store or the composition root.
    files: ['bot/commands/**/*.ts', 'bot/router.ts', 'bot/cards/**/*.ts', 'bot/views/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{
        group: ['**/store/**', '**/src/app', '**/src/runtime', '**/channels/wecom/**', '**/channels/dingtalk/**', '**/channels/shell/**'],
        message: 'Commands ask services and record types from src/domain; repos, adapters and the composition root are not theirs (ARCHITECTURE.md).',
      }, {
        group: ['**/delivery/**'],
        allowTypeImports: true,
        message: 'Commands may name the delivery ports (types), not run delivery code (ARCHITECTURE.md).',
      }] }],
    },
  },
  {
    files: ['bot/delivery/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{
        group: ['**/commands/**', '**/channels/wecom/**', '**/channels/dingtalk/**', '**/channels/shell/**', '**/src/app', '**/src/runtime'],
        message: 'Delivery runs behind the contracts: no commands, no concrete adapter, no composition root; shared cards and views live in bot/cards and bot/views (ARCHITECTURE.md).',
      }] }],
    },
  },
  {
    // The shell channel is also an entry point (it drives the router in the terminal).
    files: ['bot/channels/**/*.ts'],
    ignores: ['bot/channels/shell/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{
        group: ['**/commands/**', '**/router', '!@koa/router', '**/src/services/**'],
        // An adapter may implement a port a service declares (import its types), never call the service.
        allowTypeImports: true,
        message: 'Channels are adapters: they hand messages to the inbox and send replies; commands and services are not theirs (ARCHITECTURE.md).',
      }] }],
    },
  },
  {
    files: ['scripts/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    files: ['jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
);
