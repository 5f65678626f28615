-- Reverts 0001_initial: drops everything deltackpt stored. All checkpoints are lost.
DROP TABLE IF EXISTS checkpoints;
DROP TABLE IF EXISTS threads;
DROP TABLE IF EXISTS deltackpt_settings;
DROP TABLE IF EXISTS deltackpt_migrations;
