from django.db import models


class World(models.Model):
    # TechEmpower's tables: created and filled by the harness, never migrated by Django.
    randomNumber = models.IntegerField(db_column="randomnumber")

    class Meta:
        db_table = "World"
        managed = False


class Fortune(models.Model):
    message = models.CharField(max_length=2048)

    class Meta:
        db_table = "Fortune"
        managed = False
