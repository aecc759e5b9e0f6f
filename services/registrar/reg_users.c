/* reg_users.c: the users file as the registrar's threads see it (a
 * read-write lock, so SIGHUP reloads never block REGISTERs for long). */
#include <errno.h>
#include <pthread.h>

#include "log.h"
#include "reg.h"

int reg_user_cred(struct reg *r, const char *user, struct reg_cred *c)
{
	pthread_rwlock_rdlock(&r->users_lock);
	int e = r->users ? reg_users_find(r->users, user, c) : ENOENT;
	pthread_rwlock_unlock(&r->users_lock);
	return e;
}

int reg_reload_users(struct reg *r)
{
	struct reg_users *u, *old;
	char err[256];

	if (reg_users_load(r->cfg.users_path, &u, err, sizeof(err))) {
		LOG_ERROR("users", "RTCGATE_USERS=%s: %s", r->cfg.users_path, err);
		return EINVAL;
	}
	pthread_rwlock_wrlock(&r->users_lock);
	old = r->users;
	r->users = u;
	pthread_rwlock_unlock(&r->users_lock);
	reg_users_free(old);
	metrics_set(&r->svc.metrics, RM_USERS, (int64_t)reg_users_count(u));
	LOG_INFO("users", "%zu users from %s", reg_users_count(u),
		 r->cfg.users_path);
	return 0;
}
