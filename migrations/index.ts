import * as migration_20261128_143829_initial from './20261128_143829_initial';

export const migrations = [
  {
    up: migration_20261128_143829_initial.up,
    down: migration_20261128_143829_initial.down,
    name: '20261128_143829_initial'
  },
];
