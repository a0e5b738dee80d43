-- Quartz 2.5 JDBC job store tables for PostgreSQL, owned by drbatch: created when missing, never dropped or
-- altered, so that schedules and cluster state survive every restart. Applied by QuartzSchema under an
-- advisory lock. Column names and types are the ones Quartz's StdJDBCDelegate/PostgreSQLDelegate read and write.
CREATE TABLE IF NOT EXISTS qrtz_job_details (
  sched_name varchar(120) NOT NULL, job_name varchar(200) NOT NULL, job_group varchar(200) NOT NULL,
  description varchar(250), job_class_name varchar(250) NOT NULL, is_durable bool NOT NULL,
  is_nonconcurrent bool NOT NULL, is_update_data bool NOT NULL, requests_recovery bool NOT NULL, job_data bytea,
  PRIMARY KEY (sched_name, job_name, job_group));
CREATE TABLE IF NOT EXISTS qrtz_triggers (
  sched_name varchar(120) NOT NULL, trigger_name varchar(200) NOT NULL, trigger_group varchar(200) NOT NULL,
  job_name varchar(200) NOT NULL, job_group varchar(200) NOT NULL, description varchar(250),
  next_fire_time bigint, prev_fire_time bigint, priority integer, trigger_state varchar(16) NOT NULL,
  trigger_type varchar(8) NOT NULL, start_time bigint NOT NULL, end_time bigint, calendar_name varchar(200),
  misfire_instr smallint, job_data bytea,
  PRIMARY KEY (sched_name, trigger_name, trigger_group),
  FOREIGN KEY (sched_name, job_name, job_group) REFERENCES qrtz_job_details (sched_name, job_name, job_group));
CREATE TABLE IF NOT EXISTS qrtz_simple_triggers (
  sched_name varchar(120) NOT NULL, trigger_name varchar(200) NOT NULL, trigger_group varchar(200) NOT NULL,
  repeat_count bigint NOT NULL, repeat_interval bigint NOT NULL, times_triggered bigint NOT NULL,
  PRIMARY KEY (sched_name, trigger_name, trigger_group),
  FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group));
CREATE TABLE IF NOT EXISTS qrtz_cron_triggers (
  sched_name varchar(120) NOT NULL, trigger_name varchar(200) NOT NULL, trigger_group varchar(200) NOT NULL,
  cron_expression varchar(120) NOT NULL, time_zone_id varchar(80),
  PRIMARY KEY (sched_name, trigger_name, trigger_group),
  FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group));
CREATE TABLE IF NOT EXISTS qrtz_simprop_triggers (
  sched_name varchar(120) NOT NULL, trigger_name varchar(200) NOT NULL, trigger_group varchar(200) NOT NULL,
  str_prop_1 varchar(512), str_prop_2 varchar(512), str_prop_3 varchar(512), int_prop_1 int, int_prop_2 int,
  long_prop_1 bigint, long_prop_2 bigint, dec_prop_1 numeric(13, 4), dec_prop_2 numeric(13, 4),
  bool_prop_1 bool, bool_prop_2 bool,
  PRIMARY KEY (sched_name, trigger_name, trigger_group),
  FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group));
CREATE TABLE IF NOT EXISTS qrtz_blob_triggers (
  sched_name varchar(120) NOT NULL, trigger_name varchar(200) NOT NULL, trigger_group varchar(200) NOT NULL,
  blob_data bytea,
  PRIMARY KEY (sched_name, trigger_name, trigger_group),
  FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group));
CREATE TABLE IF NOT EXISTS qrtz_calendars (
  sched_name varchar(120) NOT NULL, calendar_name varchar(200) NOT NULL, calendar bytea NOT NULL,
  PRIMARY KEY (sched_name, calendar_name));
CREATE TABLE IF NOT EXISTS qrtz_paused_trigger_grps (
  sched_name varchar(120) NOT NULL, trigger_group varchar(200) NOT NULL, PRIMARY KEY (sched_name, trigger_group));
CREATE TABLE IF NOT EXISTS qrtz_fired_triggers (
  sched_name varchar(120) NOT NULL, entry_id varchar(95) NOT NULL, trigger_name varchar(200) NOT NULL,
  trigger_group varchar(200) NOT NULL, instance_name varchar(200) NOT NULL, fired_time bigint NOT NULL,
  sched_time bigint NOT NULL, priority integer NOT NULL, state varchar(16) NOT NULL, job_name varchar(200),
  job_group varchar(200), is_nonconcurrent bool, requests_recovery bool,
  PRIMARY KEY (sched_name, entry_id));
CREATE TABLE IF NOT EXISTS qrtz_scheduler_state (
  sched_name varchar(120) NOT NULL, instance_name varchar(200) NOT NULL, last_checkin_time bigint NOT NULL,
  checkin_interval bigint NOT NULL, PRIMARY KEY (sched_name, instance_name));
CREATE TABLE IF NOT EXISTS qrtz_locks (
  sched_name varchar(120) NOT NULL, lock_name varchar(40) NOT NULL, PRIMARY KEY (sched_name, lock_name));
CREATE INDEX IF NOT EXISTS idx_qrtz_t_next_fire_time ON qrtz_triggers (sched_name, next_fire_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_nft_st ON qrtz_triggers (sched_name, trigger_state, next_fire_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_nft_misfire ON qrtz_triggers (sched_name, misfire_instr, next_fire_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_nft_st_misfire ON qrtz_triggers (sched_name, misfire_instr, next_fire_time, trigger_state);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_state ON qrtz_triggers (sched_name, trigger_state);
CREATE INDEX IF NOT EXISTS idx_qrtz_ft_inst ON qrtz_fired_triggers (sched_name, instance_name);
CREATE INDEX IF NOT EXISTS idx_qrtz_ft_trig ON qrtz_fired_triggers (sched_name, trigger_name, trigger_group);
