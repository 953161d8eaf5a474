import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { repoRoot } from '../helpers/engine';

/** The engine and the algorithm stay framework-free; the lint rule must actually say no. */
describe('lint boundaries', () => {
  const eslint = new ESLint({ cwd: repoRoot });
  const forbidden = [
    "import { Injectable } from '@nestjs/common';",
    "import { DataSource } from 'typeorm';",
    "import Queue from 'bull';",
    "import Redis from 'ioredis';",
    "import { Pool } from 'pg';",
  ];

  for (const dir of ['src/engine', 'src/rzero']) {
    for (const line of forbidden) {
      test(`${dir} rejects ${line}`, async () => {
        const [result] = await eslint.lintText(`${line}\nexport const x = 1;\n`, {
          filePath: `${repoRoot}/${dir}/probe.ts`,
        });
        const messages = result!.messages.filter((m) => m.ruleId === 'no-restricted-imports');
        assert.equal(messages.length, 1, JSON.stringify(result!.messages));
      });
    }
  }

  test('the same import is allowed in a Nest module', async () => {
    const [result] = await eslint.lintText(`${forbidden[0]}\nexport const x = Injectable;\n`, {
      filePath: `${repoRoot}/src/runs/probe.ts`,
    });
    assert.equal(result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length, 0);
  });
});
